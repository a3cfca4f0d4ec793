prompt = f"<start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n"
