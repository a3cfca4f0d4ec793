export function llamaPrompt(system, user) {
  return `<|begin_of_text|><|start_header_id|>system<|end_header_id|>

${system}<|eot_id|><|start_header_id|>user<|end_header_id|>

${user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>

`;
}
