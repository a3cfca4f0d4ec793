from anthropic import AI_PROMPT, HUMAN_PROMPT, Anthropic

client = Anthropic()
completion = client.completions.create(
    model="claude-2.1",
    max_tokens_to_sample=300,
    prompt=f"{HUMAN_PROMPT} how does a court case get to the Supreme Court?{AI_PROMPT}",
)
