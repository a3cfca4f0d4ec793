def fmt(messages):
    out = ""
    for m in messages:
        out += "<|" + m["role"] + "|>\n" + m["content"] + "\n"
    return out
