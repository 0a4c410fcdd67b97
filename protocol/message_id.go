package protocol

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// ErrOffsetMsgID reports an offset message id that is not 32 or 56 hex digits.
var ErrOffsetMsgID = errors.New("protocol: offset message id: want 32 or 56 hex digits")

// ErrHostLength reports a stored host field that is not 8 or 20 bytes.
var ErrHostLength = errors.New("protocol: stored host: want 8 (IPv4) or 20 (IPv6) bytes")

const hexDigits = "0123456789ABCDEF"

// AppendHost appends the stored form of a host: 4 or 16 address bytes, then
// the port as a 4-byte big-endian int. IPv4-mapped IPv6 addresses are stored
// as IPv4.
func AppendHost(dst []byte, ap netip.AddrPort) []byte {
	a := ap.Addr().Unmap()
	if a.Is4() {
		b := a.As4()
		dst = append(dst, b[:]...)
	} else {
		b := a.As16()
		dst = append(dst, b[:]...)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(ap.Port()))
}

// HostAddrPort decodes a stored host field (8 or 20 bytes).
func HostAddrPort(h []byte) (netip.AddrPort, error) {
	switch len(h) {
	case 8:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(h[:4])), uint16(binary.BigEndian.Uint32(h[4:]))), nil
	case 20:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(h[:16])), uint16(binary.BigEndian.Uint32(h[16:]))), nil
	}
	return netip.AddrPort{}, ErrHostLength
}

// AppendOffsetMsgID appends RocketMQ's offset message id: uppercase hex of
// store host (8 or 20 bytes, as stored) followed by the 8-byte commit-log
// offset: 32 hex digits for IPv4, 56 for IPv6 (UtilAll.bytes2string over
// MessageDecoder.createMessageId).
func AppendOffsetMsgID(dst, storeHost []byte, phyOffset int64) []byte {
	for _, c := range storeHost {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xF])
	}
	for s := 56; s >= 0; s -= 8 {
		c := byte(phyOffset >> s)
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xF])
	}
	return dst
}

// DecodeOffsetMsgID decodes an offset message id (either case) into the
// store host bytes, appended to hostDst, and the commit-log offset.
func DecodeOffsetMsgID(id, hostDst []byte) (host []byte, phyOffset int64, err error) {
	if len(id) != 32 && len(id) != 56 {
		return hostDst, 0, ErrOffsetMsgID
	}
	hostHex := len(id) - 16
	host = hostDst
	for i := 0; i < hostHex; i += 2 {
		c, ok := hexByte(id[i], id[i+1])
		if !ok {
			return hostDst, 0, ErrOffsetMsgID
		}
		host = append(host, c)
	}
	for i := hostHex; i < len(id); i += 2 {
		c, ok := hexByte(id[i], id[i+1])
		if !ok {
			return hostDst, 0, ErrOffsetMsgID
		}
		phyOffset = phyOffset<<8 | int64(c)
	}
	return host, phyOffset, nil
}

func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexNibble(hi)
	l, ok2 := hexNibble(lo)
	return h<<4 | l, ok1 && ok2
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
