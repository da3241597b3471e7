"""`python3 -m ferguard ARGS...` runs the ferguard command-line tool that came with the package (analyze,
templates, models install, ...; `python3 -m ferguard --help`)."""
import os
import pathlib
import sys


def main():
    here = pathlib.Path(__file__).resolve().parent
    # Installed by pip: the package's bin/. In a build tree (PYTHONPATH=build/python): build/bin/.
    for cli in (here / "bin" / "ferguard", here.parent.parent / "bin" / "ferguard"):
        if cli.is_file() and os.access(cli, os.X_OK):
            os.execv(str(cli), [str(cli), *sys.argv[1:]])
    sys.exit(f"ferguard: error: the ferguard command-line tool is not installed beside this package ({here / 'bin'})")


if __name__ == "__main__":
    main()
