Map<String, List<Integer>> index = new HashMap<>();
Optional<Map.Entry<S, T>> first = map.entrySet().stream().findFirst();
