"""Reads back the charts hetero and hetero-bench draw (host/base/draw.c).

Both formats of a chart carry what was drawn, as JSON: the SVG in
<metadata id="hetero-chart">, the PNG in an iTXt chunk with the keyword
"hetero-chart".  This module reads that, decodes PNG pixels (no PIL: zlib
and the five PNG filters) and finds the filled rectangles of cairo's SVG.

    charts.py meta FILE          prints the chart's data
    charts.py same A B           exit 1 unless A and B carry the same data
"""
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

KEY = "hetero-chart"
SVG_NS = "{http://www.w3.org/2000/svg}"


def png_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, out = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8].decode("ascii")
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(data[pos + 4:pos + 8 + n]) & 0xffffffff != crc:
            raise ValueError(f"bad CRC in chunk {kind}")
        out.append((kind, body))
        pos += 12 + n
    if not out or out[-1][0] != "IEND":
        raise ValueError("PNG without IEND")
    return out


def png_meta(path):
    for kind, body in png_chunks(open(path, "rb").read()):
        if kind == "iTXt" and body.startswith(KEY.encode() + b"\0"):
            rest = body[len(KEY) + 1:]
            if rest[0] != 0:
                raise ValueError("compressed iTXt")
            # compression flag, method, language\0, translated keyword\0
            rest = rest[2:]
            rest = rest[rest.index(b"\0") + 1:]
            rest = rest[rest.index(b"\0") + 1:]
            return json.loads(rest.decode("utf-8"))
    raise ValueError(f"{path}: no {KEY} chunk")


def svg_meta(path):
    root = ET.parse(path).getroot()
    if root.tag != SVG_NS + "svg":
        raise ValueError(f"{path}: root element is {root.tag}")
    for m in root.iter(SVG_NS + "metadata"):
        if m.get("id") == KEY:
            return json.loads(m.text)
    raise ValueError(f"{path}: no <metadata id={KEY}>")


def meta(path):
    return svg_meta(path) if path.endswith(".svg") else png_meta(path)


def png_pixels(path):
    """(width, height, get) where get(x, y) is (r, g, b, a), 8 bits each."""
    chunks = png_chunks(open(path, "rb").read())
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"{path}: PNG depth {depth} colour type {ctype} interlace {interlace} not handled")
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == "IDAT"))
    stride = w * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append(line)
        prev = line

    def get(x, y):
        px = rows[y][x * bpp:(x + 1) * bpp]
        return tuple(px) + ((255,) if bpp == 3 else ())

    return w, h, get


def svg_filled_boxes(path):
    """Bounding boxes (x0, y0, x1, y1) and fill colour (r, g, b) of cairo's
    filled <path> elements."""
    text = open(path).read()
    out = []
    for m in re.finditer(r"<path\b([^>]*)/?>", text):
        attrs = m.group(1)
        fill = re.search(r"fill:\s*rgb\(([\d.]+)%,\s*([\d.]+)%,\s*([\d.]+)%\)", attrs) or \
            re.search(r'fill="rgb\(([\d.]+)%,\s*([\d.]+)%,\s*([\d.]+)%\)"', attrs)
        d = re.search(r'\bd="([^"]*)"', attrs)
        if not fill or not d:
            continue
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d.group(1))]
        if len(nums) < 4:
            continue
        xs, ys = nums[0::2], nums[1::2]
        rgb = tuple(round(float(c) * 255 / 100) for c in fill.groups())
        out.append(((min(xs), min(ys), max(xs), max(ys)), rgb))
    return out


def hex_rgb(s):
    s = s.lstrip("#")
    return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "meta":
        print(json.dumps(meta(sys.argv[2]), indent=1))
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        a, b = meta(sys.argv[2]), meta(sys.argv[3])
        if a != b:
            sys.exit(f"FAIL: {sys.argv[2]} and {sys.argv[3]} carry different chart data")
        print(f"{sys.argv[2]} and {sys.argv[3]}: the same chart data ({a.get('chart')})")
    else:
        sys.exit(__doc__)
