"""OSO dossiers (the Dutch school-transfer exchange): the dossier reader and its vocabulary."""
