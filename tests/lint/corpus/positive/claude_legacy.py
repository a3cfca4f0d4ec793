import anthropic

client = anthropic.Anthropic()
resp = client.completions.create(
    model="claude-2",
    prompt=f"\n\nHuman: {question}\n\nAssistant:",
    max_tokens_to_sample=300,
)
