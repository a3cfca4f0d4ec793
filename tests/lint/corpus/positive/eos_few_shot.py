FEW_SHOT = "Q: What is the capital of France?\nA: Paris</s>\nQ: What is 2+2?\nA: 4</s>\n"
