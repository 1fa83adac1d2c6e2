from mach_nix.cli import main

raise SystemExit(main())
