const wrap = (role: string, text: string) => `<|${role}|>\n${text}</s>\n`;
