SYSTEM = """You are a helpful assistant.
<context>
{context}
</context>
Answer using only the context. Put your reasoning in <scratchpad> tags."""
