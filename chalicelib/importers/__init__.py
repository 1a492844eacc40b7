"""Reading what others send us: OSO dossiers (XML) into decision requests, safely."""
