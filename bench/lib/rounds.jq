# Merges hyperfine JSON exports of single-run rounds (jq -s: an array of exports) into one CSV in
# hyperfine's own columns: command,mean,stddev,median,user,system,min,max. Commands keep the order
# of the first round.
def median: sort | if length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def mean: add / length;
(.[0].results | map(.command)) as $order
| [.[].results[]] as $all
| "command,mean,stddev,median,user,system,min,max",
  ($order[] as $command
   | [$all[] | select(.command == $command)] as $runs
   | [$runs[].times[]] as $times
   | ($times | mean) as $mean
   | ($times | map((. - $mean) * (. - $mean)) | mean | sqrt) as $stddev
   | [$command, $mean, $stddev, ($times | median), ($runs | map(.user) | mean), ($runs | map(.system) | mean), ($times | min), ($times | max)]
   | map(tostring) | join(","))
