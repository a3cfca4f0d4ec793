export const ANALYSIS = '<|start|>assistant<|channel|>analysis<|message|>';
