const HEADER = (role: string): string => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
export const EOT = "<|eot_id|>";
