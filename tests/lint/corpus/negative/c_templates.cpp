std::vector<std::pair<int, int>> edges;
template <typename S, typename T> struct Pair { S s; T t; };
