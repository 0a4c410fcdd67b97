package perf

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Plot geometry, in SVG user units (pixels at 100% zoom).
const (
	svgWidth   = 860
	svgHeight  = 460
	plotLeft   = 80
	plotRight  = 660 // the legend sits to the right of it
	plotTop    = 50
	plotBottom = 400
)

// palette is a colour-blind-safe set (Okabe–Ito); runs beyond it repeat.
var palette = [...]string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// line is one run's curve in data coordinates.
type line struct {
	name   string
	xs, ys []float64
}

// tick is an axis tick: where it is and what it says.
type tick struct {
	at    float64
	label string
}

// chart is a line chart to render.
type chart struct {
	title, xLabel, yLabel string
	xMin, xMax, yMax      float64
	xTicks                []tick // nil: evenly spaced numeric ticks
	lines                 []line
}

// WriteThroughputSVG plots every run's per-interval rate over time, one
// line per run, as a self-contained SVG document.
func WriteThroughputSVG(w io.Writer, r *Report) error {
	c := chart{title: r.Title + ": throughput", xLabel: "time (s)", yLabel: "messages/s"}
	for _, run := range r.Runs {
		l := line{name: run.Name}
		for _, s := range run.Series {
			l.xs = append(l.xs, s.Offset.Seconds())
			l.ys = append(l.ys, s.Rate())
		}
		c.lines = append(c.lines, l)
	}
	c.fitData()
	return c.write(w)
}

// maxPercentileX is where the 100th percentile (the maximum) is drawn on
// the latency plot's x axis, one decade past 99.999%.
const maxPercentileX = 6

// WriteLatencySVG plots every run's latency percentile curve: x is the
// percentile on a "nines" scale (0%, 90%, 99%, 99.9%, ...), y the latency
// in milliseconds.
func WriteLatencySVG(w io.Writer, r *Report) error {
	c := chart{title: r.Title + ": latency by percentile", xLabel: "percentile", yLabel: "latency (ms)"}
	for _, run := range r.Runs {
		l := line{name: run.Name}
		for _, p := range run.Latency.Curve {
			l.xs = append(l.xs, ninesX(p.Percentile))
			l.ys = append(l.ys, float64(p.Value)/1e6)
		}
		c.lines = append(c.lines, l)
	}
	c.fitData()
	c.xMin, c.xMax = 0, maxPercentileX
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "max"}
	for i, s := range labels {
		c.xTicks = append(c.xTicks, tick{at: float64(i), label: s})
	}
	return c.write(w)
}

// ninesX maps a percentile to log10(1/(1-p/100)), so 90% is 1, 99% is 2
// and so on; 100% is drawn at maxPercentileX.
func ninesX(p float64) float64 {
	if p >= 100 {
		return maxPercentileX
	}
	return math.Min(-math.Log10(1-p/100), maxPercentileX)
}

// fitData sets the axis ranges from the lines: x over the data, y from 0
// to a round number above the largest value.
func (c *chart) fitData() {
	c.xMin, c.xMax = math.Inf(1), math.Inf(-1)
	for _, l := range c.lines {
		for i, x := range l.xs {
			c.xMin, c.xMax = math.Min(c.xMin, x), math.Max(c.xMax, x)
			c.yMax = math.Max(c.yMax, l.ys[i])
		}
	}
	if math.IsInf(c.xMin, 0) {
		c.xMin, c.xMax = 0, 1
	}
	if c.xMax <= c.xMin {
		c.xMax = c.xMin + 1
	}
	c.yMax = niceCeil(c.yMax)
}

// niceCeil returns the smallest of 1, 2, 2.5, 5 × 10^k that is >= v
// (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	base := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*base >= v*(1-1e-12) {
			return m * base
		}
	}
	return 10 * base
}

func (c *chart) px(x float64) float64 {
	return plotLeft + (x-c.xMin)/(c.xMax-c.xMin)*(plotRight-plotLeft)
}

func (c *chart) py(y float64) float64 {
	return plotBottom - y/c.yMax*(plotBottom-plotTop)
}

func (c *chart) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight)
	fmt.Fprintf(bw, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", svgWidth, svgHeight)
	text(bw, svgWidth/2, 24, "middle", `font-size="16"`, c.title)
	c.writeAxes(bw)
	c.writeLines(bw)
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

func (c *chart) writeAxes(w *bufio.Writer) {
	const steps = 5
	for i := 0; i <= steps; i++ {
		v := c.yMax * float64(i) / steps
		y := c.py(v)
		fmt.Fprintf(w, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#dddddd"/>`+"\n", plotLeft, f1(y), plotRight, f1(y))
		text(w, plotLeft-6, y+4, "end", "", formatNumber(v))
	}
	ticks := c.xTicks
	if ticks == nil {
		for i := 0; i <= steps; i++ {
			v := c.xMin + (c.xMax-c.xMin)*float64(i)/steps
			ticks = append(ticks, tick{at: v, label: formatNumber(v)})
		}
	}
	for _, t := range ticks {
		x := c.px(t.at)
		fmt.Fprintf(w, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#dddddd"/>`+"\n", f1(x), plotTop, f1(x), plotBottom)
		text(w, x, plotBottom+18, "middle", "", t.label)
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333333"/>`+"\n",
		plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)
	text(w, (plotLeft+plotRight)/2, plotBottom+40, "middle", "", c.xLabel)
	fmt.Fprintf(w, `<text x="18" y="%d" text-anchor="middle" transform="rotate(-90 18 %d)">%s</text>`+"\n",
		(plotTop+plotBottom)/2, (plotTop+plotBottom)/2, escape(c.yLabel))
}

func (c *chart) writeLines(w *bufio.Writer) {
	for i, l := range c.lines {
		color := palette[i%len(palette)]
		if len(l.xs) > 0 {
			pts := make([]string, len(l.xs))
			for j := range l.xs {
				pts[j] = f1(c.px(l.xs[j])) + "," + f1(c.py(l.ys[j]))
			}
			fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`+"\n",
				color, strings.Join(pts, " "), escape(l.name))
		}
		y := float64(plotTop + 10 + 20*i)
		fmt.Fprintf(w, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="3"/>`+"\n",
			plotRight+15, f1(y), plotRight+35, f1(y), color)
		text(w, plotRight+40, y+4, "start", "", l.name)
	}
}

func text(w *bufio.Writer, x, y float64, anchor, attrs, s string) {
	if attrs != "" {
		attrs = " " + attrs
	}
	fmt.Fprintf(w, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`+"\n", f1(x), f1(y), anchor, attrs, escape(s))
}

func escape(s string) string {
	var b strings.Builder
	// xml.EscapeText fails only on a failing writer; a Builder never does.
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// formatNumber renders an axis value compactly: 1500000 → "1.5M".
func formatNumber(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}
