import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();
const completion = await client.completions.create({
  model: "claude-2.1",
  max_tokens_to_sample: 300,
  prompt: `${Anthropic.HUMAN_PROMPT} how does a court case get to the Supreme Court?${Anthropic.AI_PROMPT}`,
});
