// berthd: the Berth daemon. All logic lives in DaemonCommand and the modules it wires together.
await DaemonCommand.main()
