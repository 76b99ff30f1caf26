import BerthCLI

BerthCLI.main()
