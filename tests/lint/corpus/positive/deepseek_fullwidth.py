BOS = "<｜begin▁of▁sentence｜>"
prompt = BOS + "You are a math tutor.<｜User｜>What is 2+2?<｜Assistant｜><think>\n"
