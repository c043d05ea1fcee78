"""Meeting records: the official documents (Decree 30/2020/NĐ-CP) rendered to PDF, their numbers, their
digital signatures, and their filing as edXML packages (QCVN 102:2016) into the document-management
system."""
