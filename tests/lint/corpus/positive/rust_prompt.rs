fn prompt(q: &str) -> String {
    format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>", q)
}
