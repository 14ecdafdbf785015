import OmioTUI

OmioCLI.main()
