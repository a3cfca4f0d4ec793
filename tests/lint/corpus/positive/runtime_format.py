TEMPLATE = "<|{}|>\n{}<|end|>\n"

def render(role, content):
    return TEMPLATE.format(role, content)
