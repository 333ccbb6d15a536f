-- SPDX-License-Identifier: GPL-2.0
--
-- xtcp.lua: a Wireshark/tshark dissector for XTCP segments (IP protocol 253).
--
--   tshark -X lua_script:userspace-tools/wireshark/xtcp.lua -r capture.pcap
--   cp userspace-tools/wireshark/xtcp.lua ~/.local/lib/wireshark/plugins/
--
-- The wire format is docs/protocol.md §2 (struct xtcphdr and XTCP_OPT_* in
-- uapi/linux/xtcp.h). Decodes the header, the flags, every option, checks
-- the checksum over the §2.3 pseudo-header, and keeps, per 4-tuple, a
-- stream index and the ISN of each direction for relative sequence and
-- acknowledgment numbers, as Wireshark's TCP does. docs/wireshark.md
-- lists the fields and preferences.

local xtcp = Proto("xtcp", "XTCP (eXperimental TCP-like transport)")

local IPPROTO_DEFAULT = 253	-- XTCP_IPPROTO_DEFAULT

-- Flag bits (XTCP_F_*) and option kinds (XTCP_OPT_*).
local F_FIN, F_SYN, F_RST, F_PSH, F_ACK, F_RES = 0x01, 0x02, 0x04, 0x08, 0x10, 0xe0
local OPT_EOL, OPT_NOP, OPT_MSS, OPT_WSCALE, OPT_SACK_PERM, OPT_SACK = 0, 1, 2, 3, 4, 5
local OPT_TIMESTAMP, OPT_PROBE, OPT_PROBE_ECHO = 8, 9, 10

local opt_names = {
	[OPT_EOL] = "End of Option List", [OPT_NOP] = "No-Operation",
	[OPT_MSS] = "Maximum segment size", [OPT_WSCALE] = "Window scale",
	[OPT_SACK_PERM] = "SACK permitted", [OPT_SACK] = "SACK",
	[OPT_TIMESTAMP] = "Timestamps",
	[OPT_PROBE] = "PROBE", [OPT_PROBE_ECHO] = "PROBE-ECHO",
}
-- The length each kind must have (kmod/input.c, xtcp_parse_options()).
local opt_fixed_len = {
	[OPT_MSS] = 4, [OPT_WSCALE] = 3, [OPT_SACK_PERM] = 2, [OPT_TIMESTAMP] = 10,
	[OPT_PROBE] = 6, [OPT_PROBE_ECHO] = 6,
}

-- Checksum status: Wireshark's PROTO_CHECKSUM_E_* numbers.
local CSUM_BAD, CSUM_GOOD, CSUM_UNVERIFIED = 0, 1, 2
local csum_status_names = { [0] = "Bad", [1] = "Good", [2] = "Unverified" }

local pf = {
	srcport = ProtoField.uint16("xtcp.srcport", "Source Port", base.DEC),
	dstport = ProtoField.uint16("xtcp.dstport", "Destination Port", base.DEC),
	port = ProtoField.uint16("xtcp.port", "Source or Destination Port", base.DEC),
	stream = ProtoField.uint32("xtcp.stream", "Stream index", base.DEC),
	len = ProtoField.uint32("xtcp.len", "Segment Len", base.DEC),
	seq = ProtoField.uint32("xtcp.seq", "Sequence Number", base.DEC),
	seq_raw = ProtoField.uint32("xtcp.seq_raw", "Sequence Number (raw)", base.DEC),
	nxtseq = ProtoField.uint32("xtcp.nxtseq", "Next Sequence Number", base.DEC),
	ack = ProtoField.uint32("xtcp.ack", "Acknowledgment Number", base.DEC),
	ack_raw = ProtoField.uint32("xtcp.ack_raw", "Acknowledgment number (raw)", base.DEC),
	hdr_len = ProtoField.uint8("xtcp.hdr_len", "Header Length", base.DEC),
	doff = ProtoField.uint8("xtcp.doff", "Data Offset (32-bit words)", base.DEC, nil, 0xf0),
	rsvd = ProtoField.uint8("xtcp.rsvd", "Reserved nibble", base.HEX, nil, 0x0f),
	flags = ProtoField.uint8("xtcp.flags", "Flags", base.HEX),
	f_res = ProtoField.uint8("xtcp.flags.res", "Reserved", base.HEX, nil, F_RES),
	f_ack = ProtoField.bool("xtcp.flags.ack", "Acknowledgment", 8, nil, F_ACK),
	f_psh = ProtoField.bool("xtcp.flags.push", "Push", 8, nil, F_PSH),
	f_rst = ProtoField.bool("xtcp.flags.reset", "Reset", 8, nil, F_RST),
	f_syn = ProtoField.bool("xtcp.flags.syn", "Syn", 8, nil, F_SYN),
	f_fin = ProtoField.bool("xtcp.flags.fin", "Fin", 8, nil, F_FIN),
	f_str = ProtoField.string("xtcp.flags.str", "XTCP Flags"),
	win_val = ProtoField.uint16("xtcp.window_size_value", "Window", base.DEC),
	win = ProtoField.uint32("xtcp.window_size", "Calculated window size", base.DEC),
	win_factor = ProtoField.int32("xtcp.window_size_scalefactor",
		"Window size scaling factor (-1 unknown, -2 no scaling)", base.DEC),
	csum = ProtoField.uint16("xtcp.checksum", "Checksum", base.HEX),
	csum_status = ProtoField.uint8("xtcp.checksum.status", "Checksum Status", base.DEC,
		csum_status_names),
	csum_calc = ProtoField.uint16("xtcp.checksum_calculated", "Calculated Checksum", base.HEX),
	reserved = ProtoField.uint16("xtcp.reserved", "Reserved (TCP's urgent pointer)", base.HEX),
	options = ProtoField.bytes("xtcp.options", "Options"),
	opt_kind = ProtoField.uint8("xtcp.option_kind", "Kind", base.DEC, opt_names),
	opt_len = ProtoField.uint8("xtcp.option_len", "Length", base.DEC),
	opt_eol = ProtoField.none("xtcp.options.eol", "End of Option List"),
	opt_nop = ProtoField.none("xtcp.options.nop", "No-Operation"),
	mss = ProtoField.uint16("xtcp.options.mss_val", "MSS Value", base.DEC),
	ws_shift = ProtoField.uint8("xtcp.options.wscale.shift", "Shift count", base.DEC),
	ws_mult = ProtoField.uint16("xtcp.options.wscale.multiplier", "Multiplier", base.DEC),
	sack_perm = ProtoField.none("xtcp.options.sack_perm", "SACK permitted"),
	sack_count = ProtoField.uint8("xtcp.options.sack.count", "Number of SACK blocks", base.DEC),
	sack_le = ProtoField.uint32("xtcp.options.sack_le", "left edge", base.DEC),
	sack_re = ProtoField.uint32("xtcp.options.sack_re", "right edge", base.DEC),
	sack_le_raw = ProtoField.uint32("xtcp.options.sack_le_raw", "left edge (raw)", base.DEC),
	sack_re_raw = ProtoField.uint32("xtcp.options.sack_re_raw", "right edge (raw)", base.DEC),
	tsval = ProtoField.uint32("xtcp.options.timestamp.tsval", "Timestamp value", base.DEC),
	tsecr = ProtoField.uint32("xtcp.options.timestamp.tsecr", "Timestamp echo reply", base.DEC),
	probe = ProtoField.uint32("xtcp.options.probe.nonce", "PROBE nonce", base.HEX),
	probe_echo = ProtoField.uint32("xtcp.options.probe_echo.nonce", "PROBE-ECHO nonce", base.HEX),
	opt_unknown = ProtoField.bytes("xtcp.options.unknown", "Unknown option data"),
	payload = ProtoField.bytes("xtcp.payload", "Payload"),
}
xtcp.fields = {}
for _, f in pairs(pf) do table.insert(xtcp.fields, f) end

local ex = {
	csum_bad = ProtoExpert.new("xtcp.checksum_bad.expert", "Bad checksum",
		expert.group.CHECKSUM, expert.severity.ERROR),
	csum_partial = ProtoExpert.new("xtcp.checksum_partial", "Checksum holds the pseudo-header sum only (offloaded, captured before the device completed it)",
		expert.group.CHECKSUM, expert.severity.NOTE),
	hdr = ProtoExpert.new("xtcp.hdr.malformed", "Malformed header (the kernel drops it: InHdrErrors)",
		expert.group.MALFORMED, expert.severity.ERROR),
	flags = ProtoExpert.new("xtcp.flags.invalid", "Invalid flag combination (the kernel drops it: InBadFlags)",
		expert.group.PROTOCOL, expert.severity.WARN),
	opt = ProtoExpert.new("xtcp.options.malformed", "Malformed option (the kernel drops the segment: InBadOpts)",
		expert.group.MALFORMED, expert.severity.ERROR),
}
xtcp.experts = { ex.csum_bad, ex.csum_partial, ex.hdr, ex.flags, ex.opt }

xtcp.prefs.ipproto = Pref.uint("IP protocol number", IPPROTO_DEFAULT,
	"The IP protocol XTCP travels in (the module parameter ipproto, default 253)")
xtcp.prefs.relative = Pref.bool("Relative sequence numbers", true,
	"Show sequence, acknowledgment and SACK numbers relative to the ISN of each direction")
xtcp.prefs.check_checksum = Pref.bool("Validate the checksum", true,
	"Verify the checksum over the pseudo-header (docs/protocol.md §2.3)")

local ip_src_f = Field.new("ip.src")
local ip_dst_f = Field.new("ip.dst")
local icmp_f = Field.new("icmp")
local data_dissector = Dissector.get("data")

local TWO32 = 4294967296

-- Conversation state, rebuilt by every (re)load of the capture.
local convs, per_packet, next_stream

function xtcp.init()
	convs = {}		-- 4-tuple key -> conversation
	per_packet = {}		-- frame number -> what the first pass saw
	next_stream = 0
end

local function new_conv(key)
	local c = { index = next_stream, dir = {} }
	next_stream = next_stream + 1
	convs[key] = c
	return c
end

-- The 16-bit ones' complement sum of a Lua string, added to sum.
local function csum_add(sum, s)
	local n = #s
	local i = 1
	while i + 1 <= n do
		local a, b = s:byte(i, i + 1)
		sum = sum + a * 256 + b
		i = i + 2
	end
	if i == n then
		sum = sum + s:byte(i) * 256
	end
	return sum
end

local function csum_fold(sum)
	while sum > 0xffff do
		sum = (sum % 65536) + math.floor(sum / 65536)
	end
	return sum
end

-- The four address bytes of the innermost IPv4 header, or nil.
local function last_field_bytes(f)
	local all = { f() }
	local fi = all[#all]
	if not fi or fi.len ~= 4 then return nil end
	return fi.range:raw()
end

local function flags_str(fl)
	local names = { "R", "R", "R", "A", "P", "R", "S", "F" }
	local s = ""
	for i = 1, 8 do
		local bit = 2 ^ (8 - i)
		if math.floor(fl / bit) % 2 == 1 then s = s .. names[i] else s = s .. "·" end
	end
	return s
end

-- RFC 9293-like validity (kmod/input.c xtcp_flags_valid(), §3).
local function flags_valid(fl)
	local function has(b) return math.floor(fl / b) % 2 == 1 end
	if fl >= 0x20 then return false end
	if not (has(F_SYN) or has(F_RST) or has(F_ACK)) then return false end
	if has(F_SYN) and (has(F_FIN) or has(F_RST)) then return false end
	if has(F_RST) and has(F_FIN) then return false end
	if has(F_FIN) and not has(F_ACK) then return false end
	return true
end

local function rel(v, base)
	if base == nil or not xtcp.prefs.relative then return v end
	return (v - base) % TWO32
end

function xtcp.dissector(tvb, pinfo, root)
	local caplen = tvb:len()
	if caplen < 1 then return 0 end
	pinfo.cols.protocol = "XTCP"
	local tree = root:add(xtcp, tvb())

	if caplen < 20 then
		tree:add_proto_expert_info(ex.hdr, "Shorter than the 20-byte header")
		pinfo.cols.info = "XTCP (truncated header)"
		return caplen
	end

	local sport = tvb(0, 2):uint()
	local dport = tvb(2, 2):uint()
	local seq = tvb(4, 4):uint()
	local ackn = tvb(8, 4):uint()
	local doff = math.floor(tvb(12, 1):uint() / 16)
	local hlen = doff * 4
	local fl = tvb(13, 1):uint()
	local win = tvb(14, 2):uint()
	local csum = tvb(16, 2):uint()
	local seglen_total = tvb:reported_length_remaining()
	local is_syn = math.floor(fl / F_SYN) % 2 == 1
	local is_fin = fl % 2 == 1
	local is_ack = math.floor(fl / F_ACK) % 2 == 1
	local is_rst = math.floor(fl / F_RST) % 2 == 1
	local hdr_ok = hlen >= 20 and hlen <= seglen_total
	local datalen = hdr_ok and (seglen_total - hlen) or 0
	pinfo.src_port = sport
	pinfo.dst_port = dport

	-- Options first, without a tree, for what the conversation needs.
	local syn_ws, syn_mss, syn_sackp
	local function walk_options(cb)
		if not hdr_ok or hlen > caplen then return end
		local off, stop = 20, hlen
		while off < stop do
			local kind = tvb(off, 1):uint()
			if kind == OPT_EOL then cb(kind, off, 1, "eol"); return end
			if kind == OPT_NOP then cb(kind, off, 1, "nop"); off = off + 1
			else
				if stop - off < 2 then cb(kind, off, stop - off, "short"); return end
				local olen = tvb(off + 1, 1):uint()
				if olen < 2 or olen > stop - off then cb(kind, off, stop - off, "badlen", olen); return end
				local bad = false
				if opt_fixed_len[kind] and olen ~= opt_fixed_len[kind] then bad = true end
				if kind == OPT_SACK and ((olen - 2) % 8 ~= 0 or olen < 10 or olen > 34) then bad = true end
				cb(kind, off, olen, bad and "wronglen" or "ok", olen)
				off = off + olen
			end
		end
	end
	walk_options(function(kind, off, olen, st)
		if st ~= "ok" or not is_syn then return end
		if kind == OPT_WSCALE then syn_ws = math.min(tvb(off + 2, 1):uint(), 14)
		elseif kind == OPT_MSS then syn_mss = tvb(off + 2, 2):uint()
		elseif kind == OPT_SACK_PERM then syn_sackp = true end
	end)

	-- The conversation: key by the unordered 4-tuple, direction by the end.
	local src = tostring(pinfo.net_src) .. ":" .. sport
	local dst = tostring(pinfo.net_dst) .. ":" .. dport
	local key = (src < dst) and (src .. "|" .. dst) or (dst .. "|" .. src)
	local in_error = icmp_f() ~= nil	-- a header quoted by an ICMP error
	local pp = per_packet[pinfo.number]
	if not pp or in_error then
		local c = convs[key] or new_conv(key)
		local d = c.dir[src]
		-- A new SYN with another ISN on a known 4-tuple: a new connection.
		if not in_error and is_syn and not is_ack and d and d.syn and d.base ~= seq then
			c = new_conv(key)
			d = nil
		end
		if not d then d = {}; c.dir[src] = d end
		local r = c.dir[dst]
		if not r then r = {}; c.dir[dst] = r end
		if not in_error then
			if is_syn and not d.syn then
				d.syn, d.base, d.ws = true, seq, syn_ws
			elseif d.base == nil then
				d.base = (seq - 1) % TWO32	-- no SYN seen: the first byte is 1
			end
			if is_ack and r.base == nil then
				r.base = (ackn - 1) % TWO32
			end
		end
		local factor = -1
		if d.syn and r.syn then
			if d.ws ~= nil and r.ws ~= nil then factor = 2 ^ d.ws else factor = -2 end
		end
		pp = { stream = c.index, seq_base = d.base, ack_base = r.base, factor = factor }
		if not in_error then per_packet[pinfo.number] = pp end
	end

	-- Header fields.
	tree:add(pf.srcport, tvb(0, 2))
	tree:add(pf.dstport, tvb(2, 2))
	tree:add(pf.port, tvb(0, 2)):set_hidden()
	tree:add(pf.port, tvb(2, 2)):set_hidden()
	tree:add(pf.stream, pp.stream):set_generated()
	tree:add(pf.len, datalen):set_generated()
	local rseq = rel(seq, pp.seq_base)
	tree:add(pf.seq, tvb(4, 4), rseq):append_text(xtcp.prefs.relative and "    (relative sequence number)" or "")
	tree:add(pf.seq_raw, tvb(4, 4))
	local nxt = (rseq + datalen + (is_syn and 1 or 0) + (is_fin and 1 or 0)) % TWO32
	tree:add(pf.nxtseq, nxt):set_generated()
	local rack = rel(ackn, pp.ack_base)
	if is_ack then
		tree:add(pf.ack, tvb(8, 4), rack):append_text(xtcp.prefs.relative and "    (relative ack number)" or "")
	end
	tree:add(pf.ack_raw, tvb(8, 4))
	local hl = tree:add(pf.hdr_len, tvb(12, 1), hlen):append_text(" bytes (" .. doff .. ")")
	if not hdr_ok then
		hl:add_proto_expert_info(ex.hdr, "Data offset " .. doff .. ": the header must be 20 .. " ..
			math.min(60, seglen_total) .. " bytes")
	end
	tree:add(pf.doff, tvb(12, 1))
	tree:add(pf.rsvd, tvb(12, 1))
	local ft = tree:add(pf.flags, tvb(13, 1))
	ft:append_text(" (" .. flags_str(fl) .. ")")
	ft:add(pf.f_res, tvb(13, 1))
	ft:add(pf.f_ack, tvb(13, 1))
	ft:add(pf.f_psh, tvb(13, 1))
	ft:add(pf.f_rst, tvb(13, 1))
	ft:add(pf.f_syn, tvb(13, 1))
	ft:add(pf.f_fin, tvb(13, 1))
	ft:add(pf.f_str, tvb(13, 1), flags_str(fl)):set_generated()
	if not flags_valid(fl) then
		ft:add_proto_expert_info(ex.flags)
	end
	if sport == 0 then
		tree:add_proto_expert_info(ex.hdr, "Source port 0")
	end
	tree:add(pf.win_val, tvb(14, 2))
	local winsz = win
	if not is_syn and pp.factor > 0 then winsz = win * pp.factor end
	tree:add(pf.win, tvb(14, 2), winsz):set_generated()
	tree:add(pf.win_factor, is_syn and -2 or pp.factor):set_generated()

	-- Checksum (§2.3): the pseudo-header with the configured protocol.
	local ct = tree:add(pf.csum, tvb(16, 2))
	local status = CSUM_UNVERIFIED
	local sa, da = last_field_bytes(ip_src_f), last_field_bytes(ip_dst_f)
	if xtcp.prefs.check_checksum and sa and da and not in_error and caplen == seglen_total then
		local pseudo = csum_add(0, sa .. da) + xtcp.prefs.ipproto + seglen_total
		local sum = csum_add(pseudo, tvb:raw(0, caplen))
		local total = csum_fold(sum)
		-- What the field should hold: the sum with the field taken as 0.
		local calc = 0xffff - csum_fold(sum - csum)
		if total == 0xffff then
			status = CSUM_GOOD
			ct:append_text(" [correct]")
		elseif csum == csum_fold(pseudo) then
			ct:append_text(" [partial: pseudo-header sum only]")
			ct:add_proto_expert_info(ex.csum_partial)
		else
			status = CSUM_BAD
			ct:append_text(" [incorrect, should be 0x" .. string.format("%04x", calc) .. "]")
			ct:add_proto_expert_info(ex.csum_bad)
		end
		tree:add(pf.csum_calc, tvb(16, 2), calc):set_generated()
	else
		ct:append_text(" [unverified]")
	end
	tree:add(pf.csum_status, status):set_generated()
	tree:add(pf.reserved, tvb(18, 2))

	-- Options with a tree.
	local info_opts = {}
	if hdr_ok and hlen > 20 and hlen <= caplen then
		local ot = tree:add(pf.options, tvb(20, hlen - 20))
		ot:set_text("Options: (" .. (hlen - 20) .. " bytes)")
		walk_options(function(kind, off, olen, st, declared)
			if kind == OPT_EOL then ot:add(pf.opt_eol, tvb(off, 1)); return end
			if kind == OPT_NOP then ot:add(pf.opt_nop, tvb(off, 1)); return end
			local name = opt_names[kind] or ("Unknown (" .. kind .. ")")
			local t = ot:add(xtcp, tvb(off, olen), name)
			t:set_text("XTCP Option - " .. name)
			t:add(pf.opt_kind, tvb(off, 1))
			if olen >= 2 then t:add(pf.opt_len, tvb(off + 1, 1)) end
			if st ~= "ok" then
				t:add_proto_expert_info(ex.opt, name .. ": " ..
					(st == "short" and "no room for the length byte" or
					 st == "badlen" and ("length " .. declared .. " outside 2 .. " .. olen) or
					 ("length " .. declared .. " is wrong for this kind")))
				return
			end
			if kind == OPT_MSS then
				local v = tvb(off + 2, 2):uint()
				t:add(pf.mss, tvb(off + 2, 2)); t:append_text(": " .. v .. " bytes")
				table.insert(info_opts, "MSS=" .. v)
			elseif kind == OPT_WSCALE then
				local s = tvb(off + 2, 1):uint()
				t:add(pf.ws_shift, tvb(off + 2, 1))
				t:add(pf.ws_mult, tvb(off + 2, 1), 2 ^ math.min(s, 14)):set_generated()
				t:append_text(": " .. s .. " (multiply by " .. 2 ^ math.min(s, 14) .. ")")
				table.insert(info_opts, "WS=" .. 2 ^ math.min(s, 14))
			elseif kind == OPT_SACK_PERM then
				t:add(pf.sack_perm, tvb(off, 2))
				table.insert(info_opts, "SACK_PERM")
			elseif kind == OPT_SACK then
				local n = (olen - 2) / 8
				t:add(pf.sack_count, n):set_generated()
				local txt = {}
				for i = 0, n - 1 do
					local lo = off + 2 + 8 * i
					local le, re = tvb(lo, 4):uint(), tvb(lo + 4, 4):uint()
					local rle, rre = rel(le, pp.ack_base), rel(re, pp.ack_base)
					t:add(pf.sack_le, tvb(lo, 4), rle)
					t:add(pf.sack_re, tvb(lo + 4, 4), rre)
					t:add(pf.sack_le_raw, tvb(lo, 4)):set_hidden()
					t:add(pf.sack_re_raw, tvb(lo + 4, 4)):set_hidden()
					table.insert(txt, rle .. "-" .. rre)
					table.insert(info_opts, "SLE=" .. rle .. " SRE=" .. rre)
				end
				t:append_text(" " .. table.concat(txt, " "))
			elseif kind == OPT_TIMESTAMP then
				local v, e = tvb(off + 2, 4):uint(), tvb(off + 6, 4):uint()
				t:add(pf.tsval, tvb(off + 2, 4))
				t:add(pf.tsecr, tvb(off + 6, 4))
				t:append_text(": TSval " .. v .. ", TSecr " .. e)
				table.insert(info_opts, "TSval=" .. v .. " TSecr=" .. e)
			elseif kind == OPT_PROBE then
				t:add(pf.probe, tvb(off + 2, 4))
				t:append_text(string.format(": nonce 0x%08x", tvb(off + 2, 4):uint()))
				table.insert(info_opts, string.format("PROBE=0x%08x", tvb(off + 2, 4):uint()))
			elseif kind == OPT_PROBE_ECHO then
				t:add(pf.probe_echo, tvb(off + 2, 4))
				t:append_text(string.format(": nonce 0x%08x", tvb(off + 2, 4):uint()))
				table.insert(info_opts, string.format("PROBE-ECHO=0x%08x", tvb(off + 2, 4):uint()))
			elseif olen > 2 then
				t:add(pf.opt_unknown, tvb(off + 2, olen - 2))
			end
		end)
	end

	-- Info column, as TCP's.
	local fnames = {}
	if is_fin then table.insert(fnames, "FIN") end
	if is_syn then table.insert(fnames, "SYN") end
	if is_rst then table.insert(fnames, "RST") end
	if math.floor(fl / F_PSH) % 2 == 1 then table.insert(fnames, "PSH") end
	if is_ack then table.insert(fnames, "ACK") end
	if fl >= 0x20 then table.insert(fnames, "Reserved") end
	local info = sport .. " → " .. dport .. " [" .. table.concat(fnames, ", ") .. "] Seq=" .. rseq
	if is_ack then info = info .. " Ack=" .. rack end
	info = info .. " Win=" .. winsz .. " Len=" .. datalen
	if #info_opts > 0 then info = info .. " " .. table.concat(info_opts, " ") end
	if status == CSUM_BAD then info = info .. " [XTCP CHECKSUM INCORRECT]" end
	pinfo.cols.info = info
	tree:append_text(", Src Port: " .. sport .. ", Dst Port: " .. dport .. ", Seq: " .. rseq ..
		(is_ack and (", Ack: " .. rack) or "") .. ", Len: " .. datalen)

	if hdr_ok and datalen > 0 and hlen < caplen then
		local ptvb = tvb(hlen):tvb()
		tree:add(pf.payload, tvb(hlen)):set_hidden()
		data_dissector:call(ptvb, pinfo, root)
	end
	return caplen
end

local registered_proto
local function register()
	local t = DissectorTable.get("ip.proto")
	if registered_proto then t:remove(registered_proto, xtcp) end
	registered_proto = xtcp.prefs.ipproto
	t:add(registered_proto, xtcp)
end

function xtcp.prefs_changed()
	if registered_proto ~= xtcp.prefs.ipproto then register() end
end

register()
