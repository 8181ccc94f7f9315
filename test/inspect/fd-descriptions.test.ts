/**
 * Every fd of the dumps that hold the most kinds of files, each described
 * as `inspect` prints it: the text per file type, open flags and positions.
 * The facts in each line (pipe ids, inodes, counters, masks, targets) were
 * checked against crit's JSON of the same files.img when these were
 * written; the test below also checks a few of them against crit directly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { taskFds } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const lines = async (scenario: string) => {
  const cp = await openCheckpoint(join(corpusRoot, "images", scenario));
  return cp
    .tasks()
    .flatMap((t) =>
      taskFds(cp, t.pid).map((f) =>
        [t.pid, f.fd, f.type, f.description, f.flags?.join("|") ?? "", f.pos ?? "", f.pipeId ?? "", f.path ?? ""].join(
          " ; ",
        ),
      ),
    );
};

describe("fd descriptions", () => {
  it("many-fds: regular files, pipes, a FIFO, eventfd, epoll, inotify, fanotify, signalfd, timerfd, memfd, pidfd, ttys", async () => {
    expect(await lines("many-fds")).toMatchInlineSnapshot(`
      [
        "11670 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "11670 ; 1 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11670 ; 2 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11670 ; 3 ; PIPE ; pipe:[334267] ;  ;  ; 334267 ; ",
        "11670 ; 4 ; PIDFD ; pidfd pid 11672 ;  ;  ;  ; ",
        "11670 ; 5 ; FIFO ; fifo /srv/ckpt/work/many-fds/fifo1 (pipe:[1483065]) ;  ;  ; 1483065 ; /srv/ckpt/work/many-fds/fifo1",
        "11670 ; 6 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDWR ; 5 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11670 ; 7 ; REG ; /srv/ckpt/work/many-fds/append.log ; O_WRONLY|O_APPEND ; 14 ;  ; /srv/ckpt/work/many-fds/append.log",
        "11670 ; 8 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY|O_PATH ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11670 ; 9 ; REG ; /srv/ckpt/work/many-fds ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /srv/ckpt/work/many-fds",
        "11670 ; 10 ; REG ; /dev/zero ; O_RDONLY ; 0 ;  ; /dev/zero",
        "11670 ; 11 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11670 ; 12 ; REG ; /srv/ckpt/work/many-fds/ghost.bin ; O_RDWR ; 65546 ;  ; /srv/ckpt/work/many-fds/ghost.bin",
        "11670 ; 13 ; REG ; /srv/ckpt/work/many-fds/linked-a.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/linked-a.txt",
        "11670 ; 14 ; REG ; /proc/11671 ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /proc/11671",
        "11670 ; 15 ; EVENTFD ; eventfd counter 42 ;  ;  ;  ; ",
        "11670 ; 16 ; TIMERFD ; timerfd clock 1, 0 tick(s) ;  ;  ;  ; ",
        "11670 ; 17 ; SIGNALFD ; signalfd mask 0x8000800 ;  ;  ;  ; ",
        "11670 ; 18 ; EVENTPOLL ; epoll, 4 target(s): fds 3,16,15,19 ;  ;  ;  ; ",
        "11670 ; 19 ; UNIXSK ; unix stream ESTABLISHED ino 334269 peer 334270 ;  ;  ;  ; ",
        "11670 ; 20 ; UNIXSK ; unix stream ESTABLISHED ino 334270 peer 334269 ;  ;  ;  ; ",
        "11670 ; 21 ; INOTIFY ; inotify, 2 watch(es) ;  ;  ;  ; ",
        "11670 ; 22 ; FANOTIFY ; fanotify, 2 mark(s) ;  ;  ;  ; ",
        "11670 ; 23 ; MEMFD ; memfd inode 2 ; O_RDWR ; 0 ;  ; ",
        "11670 ; 24 ; NS ; ns uts id 10 ;  ;  ;  ; ",
        "11670 ; 25 ; TTY ; tty index 1 ;  ;  ;  ; ",
        "11670 ; 26 ; TTY ; tty index 0 ;  ;  ;  ; ",
        "11670 ; 27 ; REG ; /srv/ckpt/work/many-fds/lock-flock ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-flock",
        "11670 ; 28 ; REG ; /srv/ckpt/work/many-fds/lock-posix ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-posix",
        "11670 ; 29 ; REG ; /srv/ckpt/work/many-fds/lock-ofd ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-ofd",
        "11670 ; 30 ; REG ; /srv/ckpt/work/many-fds/lease-file ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/lease-file",
        "11672 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "11672 ; 1 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11672 ; 2 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11672 ; 4 ; PIPE ; pipe:[334267] ;  ;  ; 334267 ; ",
        "11672 ; 5 ; FIFO ; fifo /srv/ckpt/work/many-fds/fifo1 (pipe:[1483065]) ;  ;  ; 1483065 ; /srv/ckpt/work/many-fds/fifo1",
        "11672 ; 6 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDWR ; 5 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11672 ; 7 ; REG ; /srv/ckpt/work/many-fds/append.log ; O_WRONLY|O_APPEND ; 14 ;  ; /srv/ckpt/work/many-fds/append.log",
        "11672 ; 8 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY|O_PATH ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11672 ; 9 ; REG ; /srv/ckpt/work/many-fds ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /srv/ckpt/work/many-fds",
        "11672 ; 10 ; REG ; /dev/zero ; O_RDONLY ; 0 ;  ; /dev/zero",
        "11672 ; 11 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11672 ; 12 ; REG ; /srv/ckpt/work/many-fds/ghost.bin ; O_RDWR ; 65546 ;  ; /srv/ckpt/work/many-fds/ghost.bin",
        "11672 ; 13 ; REG ; /srv/ckpt/work/many-fds/linked-a.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/linked-a.txt",
        "11672 ; 14 ; REG ; /proc/11671 ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /proc/11671",
        "11672 ; 15 ; EVENTFD ; eventfd counter 42 ;  ;  ;  ; ",
        "11672 ; 16 ; TIMERFD ; timerfd clock 1, 0 tick(s) ;  ;  ;  ; ",
        "11672 ; 17 ; SIGNALFD ; signalfd mask 0x8000800 ;  ;  ;  ; ",
        "11672 ; 18 ; EVENTPOLL ; epoll, 4 target(s): fds 3,16,15,19 ;  ;  ;  ; ",
        "11672 ; 19 ; UNIXSK ; unix stream ESTABLISHED ino 334269 peer 334270 ;  ;  ;  ; ",
        "11672 ; 20 ; UNIXSK ; unix stream ESTABLISHED ino 334270 peer 334269 ;  ;  ;  ; ",
        "11672 ; 21 ; INOTIFY ; inotify, 2 watch(es) ;  ;  ;  ; ",
        "11672 ; 22 ; FANOTIFY ; fanotify, 2 mark(s) ;  ;  ;  ; ",
        "11672 ; 23 ; MEMFD ; memfd inode 2 ; O_RDWR ; 0 ;  ; ",
        "11672 ; 24 ; NS ; ns uts id 10 ;  ;  ;  ; ",
        "11672 ; 25 ; TTY ; tty index 1 ;  ;  ;  ; ",
        "11672 ; 26 ; TTY ; tty index 0 ;  ;  ;  ; ",
        "11672 ; 27 ; REG ; /srv/ckpt/work/many-fds/lock-flock ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-flock",
        "11672 ; 28 ; REG ; /srv/ckpt/work/many-fds/lock-posix ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-posix",
        "11672 ; 29 ; REG ; /srv/ckpt/work/many-fds/lock-ofd ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-ofd",
        "11672 ; 30 ; REG ; /srv/ckpt/work/many-fds/lease-file ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/lease-file",
        "11673 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "11673 ; 1 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11673 ; 2 ; REG ; /srv/ckpt/work/many-fds/workload.log ; O_WRONLY ; 69 ;  ; /srv/ckpt/work/many-fds/workload.log",
        "11673 ; 3 ; PIPE ; pipe:[334267] ;  ;  ; 334267 ; ",
        "11673 ; 4 ; PIPE ; pipe:[334267] ;  ;  ; 334267 ; ",
        "11673 ; 5 ; FIFO ; fifo /srv/ckpt/work/many-fds/fifo1 (pipe:[1483065]) ;  ;  ; 1483065 ; /srv/ckpt/work/many-fds/fifo1",
        "11673 ; 6 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDWR ; 5 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11673 ; 7 ; REG ; /srv/ckpt/work/many-fds/append.log ; O_WRONLY|O_APPEND ; 14 ;  ; /srv/ckpt/work/many-fds/append.log",
        "11673 ; 8 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY|O_PATH ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11673 ; 9 ; REG ; /srv/ckpt/work/many-fds ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /srv/ckpt/work/many-fds",
        "11673 ; 10 ; REG ; /dev/zero ; O_RDONLY ; 0 ;  ; /dev/zero",
        "11673 ; 11 ; REG ; /srv/ckpt/work/many-fds/data.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/data.txt",
        "11673 ; 12 ; REG ; /srv/ckpt/work/many-fds/ghost.bin ; O_RDWR ; 65546 ;  ; /srv/ckpt/work/many-fds/ghost.bin",
        "11673 ; 13 ; REG ; /srv/ckpt/work/many-fds/linked-a.txt ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/linked-a.txt",
        "11673 ; 14 ; REG ; /proc/11671 ; O_RDONLY|O_DIRECTORY ; 0 ;  ; /proc/11671",
        "11673 ; 15 ; EVENTFD ; eventfd counter 42 ;  ;  ;  ; ",
        "11673 ; 16 ; TIMERFD ; timerfd clock 1, 0 tick(s) ;  ;  ;  ; ",
        "11673 ; 17 ; SIGNALFD ; signalfd mask 0x8000800 ;  ;  ;  ; ",
        "11673 ; 18 ; EVENTPOLL ; epoll, 4 target(s): fds 3,16,15,19 ;  ;  ;  ; ",
        "11673 ; 19 ; UNIXSK ; unix stream ESTABLISHED ino 334269 peer 334270 ;  ;  ;  ; ",
        "11673 ; 20 ; UNIXSK ; unix stream ESTABLISHED ino 334270 peer 334269 ;  ;  ;  ; ",
        "11673 ; 21 ; INOTIFY ; inotify, 2 watch(es) ;  ;  ;  ; ",
        "11673 ; 22 ; FANOTIFY ; fanotify, 2 mark(s) ;  ;  ;  ; ",
        "11673 ; 23 ; MEMFD ; memfd inode 2 ; O_RDWR ; 0 ;  ; ",
        "11673 ; 24 ; NS ; ns uts id 10 ;  ;  ;  ; ",
        "11673 ; 25 ; TTY ; tty index 1 ;  ;  ;  ; ",
        "11673 ; 26 ; TTY ; tty index 0 ;  ;  ;  ; ",
        "11673 ; 27 ; REG ; /srv/ckpt/work/many-fds/lock-flock ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-flock",
        "11673 ; 28 ; REG ; /srv/ckpt/work/many-fds/lock-posix ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-posix",
        "11673 ; 29 ; REG ; /srv/ckpt/work/many-fds/lock-ofd ; O_RDWR ; 0 ;  ; /srv/ckpt/work/many-fds/lock-ofd",
        "11673 ; 30 ; REG ; /srv/ckpt/work/many-fds/lease-file ; O_RDONLY ; 0 ;  ; /srv/ckpt/work/many-fds/lease-file",
      ]
    `);
  });

  it("mixed-sockets and bpfmap: unix, inet, netlink, packet sockets and a bpf map", async () => {
    expect(await lines("mixed-sockets")).toMatchInlineSnapshot(`
      [
        "11486 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "11486 ; 1 ; REG ; /srv/ckpt/work/mixed-sockets/out.log ; O_WRONLY ; 46 ;  ; /srv/ckpt/work/mixed-sockets/out.log",
        "11486 ; 2 ; REG ; /srv/ckpt/work/mixed-sockets/out.log ; O_WRONLY ; 46 ;  ; /srv/ckpt/work/mixed-sockets/out.log",
        "11486 ; 3 ; INETSK ; INET tcp LISTEN 127.0.0.1:45031 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 4 ; INETSK ; INET6 tcp LISTEN [::1]:45032 -> [::]:* ;  ;  ;  ; ",
        "11486 ; 5 ; INETSK ; INET tcp FIN_WAIT2 127.0.0.1:43812 -> 127.0.0.1:45031 ;  ;  ;  ; ",
        "11486 ; 6 ; INETSK ; INET tcp CLOSE_WAIT 127.0.0.1:45031 -> 127.0.0.1:43812 ;  ;  ;  ; ",
        "11486 ; 7 ; INETSK ; INET tcp CLOSE 0.0.0.0:* -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 8 ; INETSK ; INET udp CLOSE 127.0.0.1:45033 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 9 ; INETSK ; INET udp ESTABLISHED 127.0.0.1:45034 -> 127.0.0.1:45033 ;  ;  ;  ; ",
        "11486 ; 10 ; INETSK ; INET6 udp CLOSE [::1]:45035 -> [::]:* ;  ;  ;  ; ",
        "11486 ; 11 ; INETSK ; INET udplite CLOSE 127.0.0.1:45036 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 12 ; INETSK ; INET udp CLOSE 127.0.0.1:45037 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 13 ; INETSK ; INET 1 CLOSE 0.0.0.0:1 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11486 ; 14 ; INETSK ; INET6 58 CLOSE [::]:58 -> [::]:* ;  ;  ;  ; ",
        "11486 ; 15 ; PACKETSK ; packet socket type 3 protocol 0x300 ;  ;  ;  ; ",
        "11486 ; 16 ; PACKETSK ; packet socket type 2 protocol 0x8 ;  ;  ;  ; ",
        "11486 ; 17 ; NETLINKSK ; netlink protocol 0 portid 11486 ;  ;  ;  ; ",
        "11486 ; 18 ; NETLINKSK ; netlink protocol 15 portid 0 ;  ;  ;  ; ",
        "11486 ; 19 ; UNIXSK ; unix stream ESTABLISHED ino 332589 peer 332590 ;  ;  ;  ; ",
        "11486 ; 21 ; UNIXSK ; unix dgram ESTABLISHED ino 332591 peer 332592 ;  ;  ;  ; ",
        "11486 ; 23 ; UNIXSK ; unix seqpacket ESTABLISHED ino 332593 peer 332594 ;  ;  ;  ; ",
        "11486 ; 24 ; UNIXSK ; unix seqpacket ESTABLISHED ino 332594 peer 332593 ;  ;  ;  ; ",
        "11486 ; 25 ; UNIXSK ; unix stream LISTEN ux.sock@ ino 332595 ;  ;  ;  ; ",
        "11486 ; 26 ; UNIXSK ; unix stream ESTABLISHED ino 332596 peer 332597 ;  ;  ;  ; ",
        "11486 ; 27 ; UNIXSK ; unix stream ESTABLISHED ux.sock@ ino 332597 peer 332596 ;  ;  ;  ; ",
        "11486 ; 28 ; UNIXSK ; unix stream ESTABLISHED ino 332598 peer 332595 ;  ;  ;  ; ",
        "11486 ; 29 ; UNIXSK ; unix stream LISTEN @criu-corpus-abstract ino 332599 ;  ;  ;  ; ",
        "11486 ; 30 ; UNIXSK ; unix dgram ESTABLISHED ud.sock@ ino 332600 ;  ;  ;  ; ",
        "11486 ; 31 ; UNIXSK ; unix dgram ESTABLISHED ino 332601 peer 332600 ;  ;  ;  ; ",
        "11486 ; 32 ; UNIXSK ; unix stream CLOSE ino 332602 ;  ;  ;  ; ",
        "11489 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "11489 ; 1 ; REG ; /srv/ckpt/work/mixed-sockets/out.log ; O_WRONLY ; 46 ;  ; /srv/ckpt/work/mixed-sockets/out.log",
        "11489 ; 2 ; REG ; /srv/ckpt/work/mixed-sockets/out.log ; O_WRONLY ; 46 ;  ; /srv/ckpt/work/mixed-sockets/out.log",
        "11489 ; 3 ; INETSK ; INET tcp LISTEN 127.0.0.1:45031 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 4 ; INETSK ; INET6 tcp LISTEN [::1]:45032 -> [::]:* ;  ;  ;  ; ",
        "11489 ; 5 ; INETSK ; INET tcp FIN_WAIT2 127.0.0.1:43812 -> 127.0.0.1:45031 ;  ;  ;  ; ",
        "11489 ; 6 ; INETSK ; INET tcp CLOSE_WAIT 127.0.0.1:45031 -> 127.0.0.1:43812 ;  ;  ;  ; ",
        "11489 ; 7 ; INETSK ; INET tcp CLOSE 0.0.0.0:* -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 8 ; INETSK ; INET udp CLOSE 127.0.0.1:45033 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 9 ; INETSK ; INET udp ESTABLISHED 127.0.0.1:45034 -> 127.0.0.1:45033 ;  ;  ;  ; ",
        "11489 ; 10 ; INETSK ; INET6 udp CLOSE [::1]:45035 -> [::]:* ;  ;  ;  ; ",
        "11489 ; 11 ; INETSK ; INET udplite CLOSE 127.0.0.1:45036 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 12 ; INETSK ; INET udp CLOSE 127.0.0.1:45037 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 13 ; INETSK ; INET 1 CLOSE 0.0.0.0:1 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 14 ; INETSK ; INET6 58 CLOSE [::]:58 -> [::]:* ;  ;  ;  ; ",
        "11489 ; 15 ; PACKETSK ; packet socket type 3 protocol 0x300 ;  ;  ;  ; ",
        "11489 ; 16 ; PACKETSK ; packet socket type 2 protocol 0x8 ;  ;  ;  ; ",
        "11489 ; 17 ; NETLINKSK ; netlink protocol 0 portid 11486 ;  ;  ;  ; ",
        "11489 ; 18 ; NETLINKSK ; netlink protocol 15 portid 0 ;  ;  ;  ; ",
        "11489 ; 19 ; INETSK ; INET udp CLOSE 127.0.0.1:45038 -> 0.0.0.0:* ;  ;  ;  ; ",
        "11489 ; 20 ; UNIXSK ; unix stream ESTABLISHED ino 332590 peer 332589 ;  ;  ;  ; ",
        "11489 ; 22 ; UNIXSK ; unix dgram ESTABLISHED ino 332592 peer 332591 ;  ;  ;  ; ",
        "11489 ; 23 ; UNIXSK ; unix seqpacket ESTABLISHED ino 332593 peer 332594 ;  ;  ;  ; ",
        "11489 ; 24 ; UNIXSK ; unix seqpacket ESTABLISHED ino 332594 peer 332593 ;  ;  ;  ; ",
        "11489 ; 25 ; UNIXSK ; unix stream LISTEN ux.sock@ ino 332595 ;  ;  ;  ; ",
        "11489 ; 26 ; UNIXSK ; unix stream ESTABLISHED ino 332596 peer 332597 ;  ;  ;  ; ",
        "11489 ; 27 ; UNIXSK ; unix stream ESTABLISHED ux.sock@ ino 332597 peer 332596 ;  ;  ;  ; ",
        "11489 ; 28 ; UNIXSK ; unix stream ESTABLISHED ino 332598 peer 332595 ;  ;  ;  ; ",
        "11489 ; 29 ; UNIXSK ; unix stream LISTEN @criu-corpus-abstract ino 332599 ;  ;  ;  ; ",
        "11489 ; 30 ; UNIXSK ; unix dgram ESTABLISHED ud.sock@ ino 332600 ;  ;  ;  ; ",
        "11489 ; 31 ; UNIXSK ; unix dgram ESTABLISHED ino 332601 peer 332600 ;  ;  ;  ; ",
        "11489 ; 32 ; UNIXSK ; unix stream CLOSE ino 332602 ;  ;  ;  ; ",
      ]
    `);
    expect(await lines("bpfmap")).toMatchInlineSnapshot(`
      [
        "12454 ; 0 ; REG ; /dev/null ; O_RDONLY ; 0 ;  ; /dev/null",
        "12454 ; 1 ; REG ; /srv/ckpt/work/bpfmap/out.log ; O_WRONLY ; 29 ;  ; /srv/ckpt/work/bpfmap/out.log",
        "12454 ; 2 ; REG ; /srv/ckpt/work/bpfmap/out.log ; O_WRONLY ; 29 ;  ; /srv/ckpt/work/bpfmap/out.log",
        "12454 ; 3 ; BPFMAP ; bpf map corpus_hash (type 1) ;  ;  ;  ; ",
        "12454 ; 4 ; BPFMAP ; bpf map corpus_array (type 2) ;  ;  ;  ; ",
        "12454 ; 5 ; BPFMAP ; bpf map corpus_frozen (type 2) ;  ;  ;  ; ",
      ]
    `);
  });

  it("agrees with crit's JSON on the facts it prints", async () => {
    const crit = JSON.parse(readFileSync(join(corpusRoot, "crit", "many-fds", "files.img.json"), "utf8"));
    const text = (await lines("many-fds")).join("\n");
    for (const f of crit.entries) {
      if (f.efd) expect(text).toContain(`eventfd counter ${f.efd.counter}`);
      if (f.sgfd) expect(text).toContain(`signalfd mask 0x${BigInt(f.sgfd.sigmask).toString(16)}`);
      if (f.tfd) expect(text).toContain(`timerfd clock ${f.tfd.clockid}, ${f.tfd.ticks} tick(s)`);
      if (f.ify) expect(text).toContain(`inotify, ${f.ify.wd?.length ?? 0} watch(es)`);
      if (f.pipe) expect(text).toContain(`pipe:[${f.pipe.pipe_id}]`);
    }
  });
});

describe("fd descriptions from other layouts", () => {
  it("the pre-3.4 images (sockets and regular files apart from files.img) describe every fd the same", async () => {
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { corpusCheckpoint, legacyLayout } = await import("../helpers/checkpoints.js");
    for (const scenario of ["many-fds", "mixed-sockets"]) {
      const now = Checkpoint.of(corpusCheckpoint(scenario));
      const old = Checkpoint.of(legacyLayout(corpusCheckpoint(scenario), { allSockets: true, regFiles: true }));
      for (const t of now.tasks()) expect(taskFds(old, t.pid), `${scenario} ${t.pid}`).toEqual(taskFds(now, t.pid));
    }
  });

  it("file types the corpus lacks: tun (attached, not, queue detached), external files, types without a description", async () => {
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { corpusCheckpoint, editImage } = await import("../helpers/checkpoints.js");
    const { create } = await import("@bufbuild/protobuf");
    const { ext_file_entrySchema, fd_types, fown_entrySchema, tunfile_entrySchema } = await import(
      "../../src/gen/index.js"
    );
    const fown = create(fown_entrySchema, { uid: 0, euid: 0, signum: 0, pidType: 0, pid: 0 });
    const cp = corpusCheckpoint("many-fds");
    // many-fds' pidfd (10), eventfd (23), signalfd (25), timerfd (24), ns file (32) and FIFO (11) retyped, in
    // files.img and fdinfo; tun files as tun.c dumps them: netdev when attached, detached when its queue is off.
    const retype: Record<number, [number, Record<string, unknown>]> = {
      10: [fd_types.TUNF, { tunf: create(tunfile_entrySchema, { id: 10, netdev: "tun0" }) }],
      23: [fd_types.TUNF, { tunf: create(tunfile_entrySchema, { id: 23 }) }],
      25: [fd_types.TUNF, { tunf: create(tunfile_entrySchema, { id: 25, netdev: "tun1", detached: true }) }],
      24: [fd_types.EXT, { ext: create(ext_file_entrySchema, { id: 24, fown }) }],
      32: [fd_types.CTL_TTY, {}],
      11: [99, {}],
    };
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        const r = retype[f.id];
        if (!r) continue;
        for (const k of ["pidfd", "efd", "tfd", "nsf", "fifo", "sgfd"] as const) f[k] = undefined;
        Object.assign(f, { type: r[0], ...r[1] });
      }
    });
    for (const name of [...cp.keys()].filter((n) => n.startsWith("fdinfo-")))
      editImage<"FDINFO">(cp, name, (img) => {
        for (const e of img.entries) {
          const r = retype[e.id];
          if (r) e.type = r[0];
        }
      });
    const fds = taskFds(Checkpoint.of(cp), 11670)
      .filter((f) => retype[f.id])
      .map((f) => [f.id, f.type, f.description]);
    expect(fds).toEqual([
      [10, "TUNF", "tun tun0"],
      [11, "99", "99 11"],
      [23, "TUNF", "tun (not attached to a device)"],
      [24, "EXT", "external file (given at restore)"],
      [25, "TUNF", "tun tun1 (queue detached)"],
      [32, "CTL_TTY", "ctl_tty 32"],
    ]);
  });

  it("a FIFO without its reg file has no path; a task without an ids image has no fds", async () => {
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { corpusCheckpoint, editImage } = await import("../helpers/checkpoints.js");
    const cp = corpusCheckpoint("many-fds");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.fifo) delete (f.fifo as { regfId?: number }).regfId;
    });
    const fifo = taskFds(Checkpoint.of(cp), 11670).find((f) => f.type === "FIFO");
    expect(fifo).toEqual({ fd: 5, type: "FIFO", id: 11, description: "fifo ? (pipe:[1483065])", pipeId: 1483065 });
    // A reg file id no entry has: no path either.
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.fifo) f.fifo.regfId = 99999;
    });
    expect(taskFds(Checkpoint.of(cp), 11670).find((f) => f.type === "FIFO")?.description).toBe(
      "fifo ? (pipe:[1483065])",
    );
    cp.delete("ids-11670.img");
    expect(taskFds(Checkpoint.of(cp), 11670)).toEqual([]);
  });

  it("an fd whose file entry is missing says so, by type and id", async () => {
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { corpusCheckpoint, editImage } = await import("../helpers/checkpoints.js");
    const cp = corpusCheckpoint("simple");
    editImage<"FILES">(cp, "files.img", (img) => {
      img.entries = img.entries.filter((f) => f.id !== 5);
    });
    const fds = taskFds(Checkpoint.of(cp), 11146).filter((f) => f.id === 5);
    expect(fds.length).toBeGreaterThan(0);
    for (const f of fds) expect(f.description).toBe("reg (no entry for file id 5)");
    // A type with no row and no entry: by its number.
    const name = [...cp.keys()].find((n) => n.startsWith("fdinfo-")) as string;
    editImage<"FDINFO">(cp, name, (img) => {
      for (const e of img.entries) if (e.id === 5) e.type = 99 as never;
    });
    expect(taskFds(Checkpoint.of(cp), 11146).find((f) => f.id === 5)?.description).toBe("99 (no entry for file id 5)");
    // An epoll watching nothing.
    const many = corpusCheckpoint("many-fds");
    editImage<"FILES">(many, "files.img", (img) => {
      for (const f of img.entries) if (f.epfd) f.epfd.tfd = [];
    });
    expect(taskFds(Checkpoint.of(many), 11670).find((f) => f.type === "EVENTPOLL")?.description).toBe(
      "epoll, 0 target(s)",
    );
  });
});
