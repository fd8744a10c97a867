// delay-bridge: a user-space Ethernet bridge between two interfaces that holds every frame for a
// fixed delay (plus optional uniform jitter) before passing it on, because this kernel has no
// netem. Used by the network lab (test/harness/lab.ts, `setDelay`): it runs in a namespace of its
// own, between a site's router and its host, on two veth ends with no addresses (the kernel there
// neither answers nor forwards; only this program moves frames). Standard library only.
//
//	delay-bridge <ifA> <ifB>            then, on stdin, lines "<delayMs> <jitterMs>" (0 0 = none)
//
// Prints "ready" once both sockets are bound. Frames keep their order per direction when jitter
// is 0; with jitter, a frame never leaves before the one ahead of it (a FIFO, like a link).
// At most queueMax frames wait per direction; more are dropped (a full router buffer).
package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

const queueMax = 8192

type frame struct {
	due  time.Time
	data []byte
}

// delayNs and jitterNs are read by both directions, set from stdin.
var delayNs, jitterNs atomic.Int64

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func open(name string) (int, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return -1, err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		return -1, err
	}
	addr := &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifc.Index}
	if err := syscall.Bind(fd, addr); err != nil {
		return -1, err
	}
	// The lab sets both interfaces promiscuous (`ip link set … promisc on`): frames for any MAC
	// (the router's and the host's) come to us.
	return fd, nil
}

// pass moves frames arriving on `from` to `to`, each after the current delay.
func pass(from, to int, ifIndex int) {
	queue := make(chan frame, queueMax)
	go func() {
		for f := range queue {
			if wait := time.Until(f.due); wait > 0 {
				time.Sleep(wait)
			}
			// A frame too big for the link (should not happen: offloads are capped) is dropped.
			_ = syscall.Sendto(to, f.data, 0, &syscall.SockaddrLinklayer{Ifindex: ifIndex})
		}
	}()
	buf := make([]byte, 65536)
	for {
		n, from_, err := syscall.Recvfrom(from, buf, 0)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			fmt.Fprintln(os.Stderr, "recvfrom:", err)
			os.Exit(1)
		}
		// Our own sends on this interface come back as PACKET_OUTGOING: not traffic to pass on.
		if ll, ok := from_.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == syscall.PACKET_OUTGOING {
			continue
		}
		d := time.Duration(delayNs.Load())
		if j := jitterNs.Load(); j > 0 {
			d += time.Duration(rand.Int63n(j + 1))
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		fixChecksum(data)
		select {
		case queue <- frame{due: time.Now().Add(d), data: data}:
		default: // full: dropped
		}
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: delay-bridge <ifA> <ifB>")
		os.Exit(2)
	}
	a, err := open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[1], err)
		os.Exit(1)
	}
	b, err := open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[2], err)
		os.Exit(1)
	}
	ia, _ := net.InterfaceByName(os.Args[1])
	ib, _ := net.InterfaceByName(os.Args[2])
	go pass(a, b, ib.Index)
	go pass(b, a, ia.Index)
	fmt.Println("ready")
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		var d, j float64
		if _, err := fmt.Sscanf(lines.Text(), "%g %g", &d, &j); err != nil || d < 0 || j < 0 {
			fmt.Fprintln(os.Stderr, "bad line:", lines.Text())
			continue
		}
		delayNs.Store(int64(d * 1e6))
		jitterNs.Store(int64(j * 1e6))
		fmt.Println("set", d, j)
	}
	os.Exit(0) // stdin closed: the lab is gone
}

// fixChecksum fills in the TCP or UDP checksum of an IPv4 frame. A veth hands locally sent
// packets over with the checksum left to "hardware" (CHECKSUM_PARTIAL); a raw socket sees them
// half done, and re-sent as raw bytes they would be dropped by the receiver. Recomputing a
// complete checksum changes nothing. Fragments and other protocols pass untouched.
func fixChecksum(f []byte) {
	if len(f) < 14+20 || f[12] != 0x08 || f[13] != 0x00 {
		return
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	total := int(ip[2])<<8 | int(ip[3])
	if ip[0]>>4 != 4 || ihl < 20 || total < ihl || total > len(ip) {
		return
	}
	if (ip[6]&0x3f) != 0 || ip[7] != 0 { // MF set or an offset: a fragment
		return
	}
	proto := ip[9]
	l4 := ip[ihl:total]
	var at int
	switch {
	case proto == 6 && len(l4) >= 20:
		at = 16
	case proto == 17 && len(l4) >= 8:
		at = 6
	default:
		return
	}
	l4[at], l4[at+1] = 0, 0
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(ip[12:20]) // source and destination addresses
	sum += uint32(proto) + uint32(len(l4))
	add(l4)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	c := ^uint16(sum)
	if proto == 17 && c == 0 {
		c = 0xffff
	}
	l4[at], l4[at+1] = byte(c>>8), byte(c)
}
