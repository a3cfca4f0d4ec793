package main

const prompt = "<|im_start|>system\nYou are terse.<|im_end|>\n"
