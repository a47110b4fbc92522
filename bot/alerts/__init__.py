"""Drug-supply alerts by area: texters subscribe (ALERTS 98104) and report a bad batch (REPORT ...);
the coordinator sends alerts to an area (`hub alerts send`) and reads the reports."""
