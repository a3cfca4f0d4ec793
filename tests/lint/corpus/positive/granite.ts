const prompt = "<|start_of_role|>user<|end_of_role|>" + question + "<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>";
