// Command plotpng renders time series, as the e2e test read them from a
// real Prometheus, into one PNG of stacked panels: what the Grafana
// dashboards would show, for a person to look at. Input on stdin:
//
//	{"title": "...", "panels": [{"title": "...", "unit": "...",
//	  "series": [{"name": "...", "points": [[unixSeconds, value], ...]}]}]}
//
// It lives in the tools module: no plotting code reaches the exporter.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"os"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

type series struct {
	Name   string       `json:"name"`
	Points [][2]float64 `json:"points"`
}

type panel struct {
	Title  string   `json:"title"`
	Unit   string   `json:"unit"`
	Series []series `json:"series"`
}

type figure struct {
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

func main() {
	out := flag.String("o", "dashboard.png", "PNG to write")
	flag.Parse()
	var fig figure
	if err := json.NewDecoder(os.Stdin).Decode(&fig); err != nil {
		fmt.Fprintln(os.Stderr, "plotpng:", err)
		os.Exit(2)
	}
	if len(fig.Panels) == 0 {
		fmt.Fprintln(os.Stderr, "plotpng: no panels")
		os.Exit(2)
	}
	const cols = 2
	rows := (len(fig.Panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	var start float64
	for _, p := range fig.Panels {
		for _, s := range p.Series {
			for _, pt := range s.Points {
				if start == 0 || pt[0] < start {
					start = pt[0]
				}
			}
		}
	}
	for i, pn := range fig.Panels {
		pl := plot.New()
		pl.Title.Text = pn.Title
		pl.X.Label.Text = "seconds since " + time.Unix(int64(start), 0).UTC().Format("15:04:05 UTC")
		pl.Y.Label.Text = pn.Unit
		pl.Legend.Top = true
		pl.Legend.TextStyle.Font.Size = vg.Points(7)
		pl.Add(plotter.NewGrid())
		for j, s := range pn.Series {
			xys := make(plotter.XYs, len(s.Points))
			for k, pt := range s.Points {
				xys[k].X, xys[k].Y = pt[0]-start, pt[1]
			}
			line, err := plotter.NewLine(xys)
			if err != nil {
				continue
			}
			line.Color = palette[j%len(palette)]
			line.Width = vg.Points(1.5)
			pl.Add(line)
			if j < 8 {
				pl.Legend.Add(s.Name, line)
			}
		}
		plots[i/cols][i%cols] = pl
	}
	width, height := 14*vg.Inch, vg.Length(rows)*3.6*vg.Inch
	img := vgimg.New(width, height+0.5*vg.Inch)
	img.SetColor(color.White)
	w, h := img.Size()
	img.Fill(vg.Rectangle{Max: vg.Point{X: w, Y: h}}.Path())
	dc := draw.New(img)
	title := draw.TextStyle{Font: plot.DefaultFont, Color: color.Black, XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	title.Font.Size = vg.Points(14)
	dc.FillText(title, vg.Point{X: width / 2, Y: height + 0.45*vg.Inch}, fig.Title)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, 0, 0, -0.5*vg.Inch))
	for r := range plots {
		for c := range plots[r] {
			if plots[r][c] != nil {
				plots[r][c].Draw(canvases[r][c])
			}
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plotpng:", err)
		os.Exit(1)
	}
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(f); err != nil {
		fmt.Fprintln(os.Stderr, "plotpng:", err)
		os.Exit(1)
	}
	f.Close()
}
