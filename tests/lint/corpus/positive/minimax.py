prompt = "]~!b[]~b]system\nYou are MiniMax.[e~[\n]~b]user\n" + q
