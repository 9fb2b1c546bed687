// decode.js reads an HdrHistogram interval log (.hlog) with hdr-histogram-js,
// an implementation independent of the Go writer, and prints what it holds as
// JSON: per tag ("" for untagged), every interval's start, length and count,
// and the merged histogram's count, percentiles (hdr-histogram-js's: the
// rank rounded up) and every recorded value with its count. Values are printed as the
// log holds them (nngbench writes nanoseconds).
//
//   node decode.js MODULES_DIR FILE.hlog
//
// MODULES_DIR is the --prefix folder hdr-histogram-js@3.0.1 was installed
// into (install.sh prints it).
"use strict";

const fs = require("fs");
const path = require("path");

// NO_TAG is what hdr-histogram-js tags an untagged interval with.
const NO_TAG = "NO TAG";

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write("usage: node decode.js MODULES_DIR FILE.hlog\n");
    return 2;
  }
  const [modules, file] = argv;
  const hdr = require(path.join(path.resolve(modules), "node_modules", "hdr-histogram-js"));
  const reader = new hdr.HistogramLogReader(fs.readFileSync(file, "utf8"));
  const tags = {};
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    const tag = h.tag === NO_TAG || h.tag === undefined ? "" : h.tag;
    if (!tags[tag]) {
      tags[tag] = { intervals: [], total: hdr.build({ numberOfSignificantValueDigits: h.numberOfSignificantValueDigits }) };
    }
    const t = tags[tag];
    t.intervals.push({
      // From the log's StartTime: the reader adds it to relative stamps.
      start_s: h.startTimeStampMsec / 1000 - reader.startTimeSec,
      length_s: (h.endTimeStampMsec - h.startTimeStampMsec) / 1000,
      count: h.totalCount,
      max: h.maxValue,
    });
    t.total.add(h);
  }
  const out = {};
  for (const [tag, t] of Object.entries(tags)) {
    const h = t.total;
    out[tag] = {
      count: h.totalCount,
      percentiles: {
        p50: h.getValueAtPercentile(50),
        p90: h.getValueAtPercentile(90),
        p99: h.getValueAtPercentile(99),
        p99_9: h.getValueAtPercentile(99.9),
        p99_99: h.getValueAtPercentile(99.99),
        max: h.maxValue,
      },
      // Every step of the merged distribution: [highest equivalent value,
      // count], for a reader that takes percentiles at a rank of its own.
      values: steps(h),
      intervals: t.intervals,
    };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  return 0;
}

function steps(h) {
  const out = [];
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    out.push([h.highestEquivalentValue(v.valueIteratedTo), v.countAtValueIteratedTo]);
  }
  return out;
}

process.exitCode = main(process.argv.slice(2));
