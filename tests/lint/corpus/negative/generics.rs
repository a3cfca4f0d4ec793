fn first<T: Clone>(v: &Vec<T>) -> Option<T> { v.first().cloned() }
let m: HashMap<String, Vec<u8>> = HashMap::new();
