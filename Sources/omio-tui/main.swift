import OmioTUI

OmioCommand.main()
