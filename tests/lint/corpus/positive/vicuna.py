SYSTEM = "A chat between a curious user and an artificial intelligence assistant."
prompt = f"{SYSTEM} USER: {question} ASSISTANT:"
prompt2 = f"USER: {question}\nASSISTANT:"
