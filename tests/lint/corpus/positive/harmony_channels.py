FINAL = "<|channel|>final<|message|>"
def parse(text):
    return text.split(FINAL, 1)[-1].removesuffix("<|return|>")
