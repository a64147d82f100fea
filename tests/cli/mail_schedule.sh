#!/usr/bin/env bash
# [migration.mail] is asked every mail.every, not every round: with every = "1h" and a
# round per second, the time of the last exchange stays put while rounds go on (the
# rounds in between carry the last result), and a reload (SIGHUP) asks again at once.
# The mail server is a closed loopback port: each exchange is refused at once.
source "$(dirname "$0")/lib/daemon.bash"
{ monitor_toml 1s "$tmp/state" '["127.0.0.1:9"]'
  cat <<TOML
[[migration]]
domain = "shop.example.test"
min_parallel = "0s"
parent_servers = ["127.0.0.1:9"]
[migration.old]
addresses = ["127.0.0.10"]
[migration.new]
addresses = ["127.0.0.20"]
[migration.mail]
port = 9
every = "1h"
helo_name = "monitor.example.test"
TOML
} > "$tmp/dnsprop.toml"
start_daemon
metric() { curl -s "$base/metrics" | awk -v m="$1" 'index($0, m) == 1 { print $NF; exit }'; }
checked() { metric 'dnsprop_mail_checked_timestamp_seconds{vantage="default",address="127.0.0.20"'; }
rounds() { metric 'dnsprop_rounds_total'; }
# (poll runs a command again and again: the tests are functions, evaluated every time)
asked() { [[ -n $(checked) ]]; }
poll 10 asked || fail "no mail exchange recorded"
first=$(checked)
start=$(rounds)
more_rounds() { (( $(rounds) - start >= 4 )); }
poll 15 more_rounds || fail "rounds stopped: $(rounds)"
[[ $(checked) == "$first" ]] || fail "asked again before mail.every: $first -> $(checked)"
metric 'dnsprop_mail_accepts{vantage="default",address="127.0.0.20"' | grep -qx 0 \
  || fail "the last result is not carried by the later rounds"

kill -HUP "$pid"
asked_again() { [[ $(checked) != "$first" ]]; }
poll 10 asked_again || fail "a reload did not ask again: still $first"
kill -TERM "$pid"; wait "$pid" || fail "exit status $? after SIGTERM"; pid=""
echo "mail_schedule: ok"
