const B_INST = "[INST]", E_INST = "[/INST]";
const B_SYS = "<<SYS>>\n", E_SYS = "\n<</SYS>>\n\n";
