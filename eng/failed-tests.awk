# Prints each failed test of a TRX file with the first lines of its message.
/<UnitTestResult / && /outcome="Failed"/ {
  name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
  print "FAILED " name; failed = 1; next
}
/<UnitTestResult / { failed = 0 }
failed && /<Message>/ { inmsg = 1; lines = 0; sub(/.*<Message>/, "") }
failed && inmsg {
  done = sub(/<\/Message>.*/, "")
  if (lines < 6) print "  " $0
  lines++
  if (done) { inmsg = 0; failed = 0 }
}
