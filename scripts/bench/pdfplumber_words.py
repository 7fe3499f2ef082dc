"""Reference timing for scripts/bench-statements: the same PDFs through pdfplumber, words with
positions only (no table logic), median of several rounds per file. Bench-only, never shipped."""
import pathlib
import statistics
import sys
import time

import pdfplumber

ROUNDS = 5


def words(path):
    with pdfplumber.open(path) as pdf:
        count = 0
        for page in pdf.pages:
            count += len(page.extract_words())
        return len(pdf.pages), count


def main():
    folder = pathlib.Path(sys.argv[1])
    total_ms, total_pages, files = 0.0, 0, 0
    for path in sorted(folder.glob("*.pdf")):
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            pages, _ = words(path)
            times.append((time.perf_counter() - start) * 1000)
        ms = statistics.median(times)
        total_ms += ms
        total_pages += pages
        files += 1
        print(f"{path.name:<58} {pages:>5} {ms:>9.2f} ms {pages / (ms / 1000):>8.0f} pages/s")
    print(f"PDFPLUMBER_TOTAL files={files} pages={total_pages} ms={total_ms:.2f} "
          f"ms_per_statement={total_ms / files:.2f} pages_per_s={total_pages / (total_ms / 1000):.0f}")


if __name__ == "__main__":
    main()
