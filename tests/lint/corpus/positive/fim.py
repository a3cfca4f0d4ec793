prompt = f"<|fim_prefix|>{before}<|fim_suffix|>{after}<|fim_middle|>"
