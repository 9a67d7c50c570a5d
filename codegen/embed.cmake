# Turns a binary file into a C source defining `const unsigned char NAME[]`
# and `const unsigned long NAME_size` (run with cmake -P).
#   -DIN=file -DOUT=file.c -DNAME=symbol
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from ${IN}: do not edit */\n"
  "const unsigned long ${NAME}_size = ${bytes};\n"
  "__attribute__((aligned(16))) const unsigned char ${NAME}[] = {\n${body}\n};\n")
