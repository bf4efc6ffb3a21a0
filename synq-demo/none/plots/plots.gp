# gnuplot script written by synq sim; run `gnuplot plots.gp` here
set datafile separator ','
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top box lc rgb '#cccccc'
set xlabel 'simulated time (s)'
set style data lines

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'queues.svg'
set title "Listen queues: highest length in each interval"
set ylabel 'entries'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):3 lw 2 lc rgb '#d62728' title 'SYN queue (SYN\_RECV)', \
     '' every ::1 using ($1/1000):5 lw 2 lc rgb '#1f77b4' title 'accept queue', \
     511 dt 2 lc rgb '#1f77b4' title 'backlog (Send-Q)'
set yrange [*:*]

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'scoreboard.svg'
set title "Scoreboard: worker slots per state"
set ylabel 'slots'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):8 lw 2 lc rgb '#d62728' title 'R reading', \
     '../series.csv' every ::1 using ($1/1000):9 lw 2 lc rgb '#2ca02c' title 'W sending', \
     '../series.csv' every ::1 using ($1/1000):10 lw 2 lc rgb '#9467bd' title 'K keep-alive', \
     '../series.csv' every ::1 using ($1/1000):12 lw 2 lc rgb '#ff7f0e' title 'C closing', \
     '../series.csv' every ::1 using ($1/1000):6 lw 2 lc rgb '#7f7f7f' title '\_ waiting'
set yrange [*:*]

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'outcomes.svg'
set title "What clients got, per second"
set ylabel 'per second'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):($36/0.25) lw 2 title 'clients.browsers ok', \
     '' every ::1 using ($1/1000):($37/0.25) lw 2 dt 2 title 'clients.browsers failed', \
     '../series.csv' every ::1 using ($1/1000):($48/0.25) lw 2 title 'attack.idle ok', \
     '' every ::1 using ($1/1000):($49/0.25) lw 2 dt 2 title 'attack.idle failed'
set yrange [*:*]

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'counters.svg'
set title "Listen-path counters (nstat names), per second"
set ylabel 'per second'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):($19/0.25) lw 2 title 'TcpPassiveOpens', \
     '../series.csv' every ::1 using ($1/1000):($21/0.25) lw 2 title 'TcpExtListenDrops', \
     '../series.csv' every ::1 using ($1/1000):($22/0.25) lw 2 title 'TcpExtTCPReqQFullDrop'
set yrange [*:*]

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'connect.svg'
set title "Connect time: share per bucket, and cumulative"
set datafile separator whitespace
set logscale x
set xlabel 'time (ms, log scale)'
set ylabel 'fraction of all'
set yrange [0:1.05]
set format x '%g'
set xtics ('1 ms' 1, '10 ms' 10, '100 ms' 100, '1 s' 1000, '3 s' 3000, '7 s' 7000, '15 s' 15000, '31 s' 31000, '63 s' 63000)
set xlabel 'connect time (log scale)'
plot 'connect-clients.browsers.dat' using (sqrt($1*$2)):($3/137.0) with impulses lw 6 title 'clients.browsers share', \
     '' using 2:4 with steps lw 2 title 'clients.browsers cumulative', \
     'connect-attack.idle.dat' using (sqrt($1*$2)):($3/70.0) with impulses lw 6 title 'attack.idle share', \
     '' using 2:4 with steps lw 2 title 'attack.idle cumulative'
unset logscale x
set xtics autofreq
set format x '%g'
set xlabel 'simulated time (s)'
set yrange [*:*]
set datafile separator ','

set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output 'latency.svg'
set title "Request latency: share per bucket, and cumulative"
set datafile separator whitespace
set logscale x
set xlabel 'time (ms, log scale)'
set ylabel 'fraction of all'
set yrange [0:1.05]
set format x '%g'
plot 'latency-clients.browsers.dat' using (sqrt($1*$2)):($3/384.0) with impulses lw 6 title 'clients.browsers share', \
     '' using 2:4 with steps lw 2 title 'clients.browsers cumulative'
unset logscale x
set xtics autofreq
set format x '%g'
set xlabel 'simulated time (s)'
set yrange [*:*]
set datafile separator ','

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'queues.png'
set title "Listen queues: highest length in each interval"
set ylabel 'entries'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):3 lw 2 lc rgb '#d62728' title 'SYN queue (SYN\_RECV)', \
     '' every ::1 using ($1/1000):5 lw 2 lc rgb '#1f77b4' title 'accept queue', \
     511 dt 2 lc rgb '#1f77b4' title 'backlog (Send-Q)'
set yrange [*:*]

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'scoreboard.png'
set title "Scoreboard: worker slots per state"
set ylabel 'slots'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):8 lw 2 lc rgb '#d62728' title 'R reading', \
     '../series.csv' every ::1 using ($1/1000):9 lw 2 lc rgb '#2ca02c' title 'W sending', \
     '../series.csv' every ::1 using ($1/1000):10 lw 2 lc rgb '#9467bd' title 'K keep-alive', \
     '../series.csv' every ::1 using ($1/1000):12 lw 2 lc rgb '#ff7f0e' title 'C closing', \
     '../series.csv' every ::1 using ($1/1000):6 lw 2 lc rgb '#7f7f7f' title '\_ waiting'
set yrange [*:*]

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'outcomes.png'
set title "What clients got, per second"
set ylabel 'per second'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):($36/0.25) lw 2 title 'clients.browsers ok', \
     '' every ::1 using ($1/1000):($37/0.25) lw 2 dt 2 title 'clients.browsers failed', \
     '../series.csv' every ::1 using ($1/1000):($48/0.25) lw 2 title 'attack.idle ok', \
     '' every ::1 using ($1/1000):($49/0.25) lw 2 dt 2 title 'attack.idle failed'
set yrange [*:*]

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'counters.png'
set title "Listen-path counters (nstat names), per second"
set ylabel 'per second'
set yrange [0:*]
plot '../series.csv' every ::1 using ($1/1000):($19/0.25) lw 2 title 'TcpPassiveOpens', \
     '../series.csv' every ::1 using ($1/1000):($21/0.25) lw 2 title 'TcpExtListenDrops', \
     '../series.csv' every ::1 using ($1/1000):($22/0.25) lw 2 title 'TcpExtTCPReqQFullDrop'
set yrange [*:*]

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'connect.png'
set title "Connect time: share per bucket, and cumulative"
set datafile separator whitespace
set logscale x
set xlabel 'time (ms, log scale)'
set ylabel 'fraction of all'
set yrange [0:1.05]
set format x '%g'
set xtics ('1 ms' 1, '10 ms' 10, '100 ms' 100, '1 s' 1000, '3 s' 3000, '7 s' 7000, '15 s' 15000, '31 s' 31000, '63 s' 63000)
set xlabel 'connect time (log scale)'
plot 'connect-clients.browsers.dat' using (sqrt($1*$2)):($3/137.0) with impulses lw 6 title 'clients.browsers share', \
     '' using 2:4 with steps lw 2 title 'clients.browsers cumulative', \
     'connect-attack.idle.dat' using (sqrt($1*$2)):($3/70.0) with impulses lw 6 title 'attack.idle share', \
     '' using 2:4 with steps lw 2 title 'attack.idle cumulative'
unset logscale x
set xtics autofreq
set format x '%g'
set xlabel 'simulated time (s)'
set yrange [*:*]
set datafile separator ','

set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'
set output 'latency.png'
set title "Request latency: share per bucket, and cumulative"
set datafile separator whitespace
set logscale x
set xlabel 'time (ms, log scale)'
set ylabel 'fraction of all'
set yrange [0:1.05]
set format x '%g'
plot 'latency-clients.browsers.dat' using (sqrt($1*$2)):($3/384.0) with impulses lw 6 title 'clients.browsers share', \
     '' using 2:4 with steps lw 2 title 'clients.browsers cumulative'
unset logscale x
set xtics autofreq
set format x '%g'
set xlabel 'simulated time (s)'
set yrange [*:*]
set datafile separator ','
set output
