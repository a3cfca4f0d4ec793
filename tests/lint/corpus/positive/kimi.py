PROMPT = "<|im_system|>system<|im_middle|>You are Kimi.<|im_end|><|im_user|>user<|im_middle|>{q}<|im_end|><|im_assistant|>assistant<|im_middle|>"
