IM_START = "<|im_start|>"
IM_END = '<|im_end|>'


def turn(role, text):
    return IM_START + role + "\n" + text + IM_END + "\n"
