function format(messages) {
  return messages.map((m) => '<|' + m.role + '|>\n' + m.content).join('\n');
}
