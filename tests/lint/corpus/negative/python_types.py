from typing import Dict, List

def group(rows: List[Dict[str, int]]) -> Dict[str, List[int]]:
    out: Dict[str, List[int]] = {}
    return out
