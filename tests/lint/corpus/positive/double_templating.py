import ollama

# The chat endpoint applies the model's template; wrapping the text again doubles it.
ollama.chat(model="qwen2.5", messages=[{"role": "user", "content": "<|im_start|>user\nhi<|im_end|>"}])
