cat input.txt | grep -v '^#' | sort | uniq -c > out.txt
echo "<|>" 
