"""Statement files as banks send them, for the tests."""


def ofx_file(*, account: str = "012180001234567899", currency: str = "MXN", transactions=None) -> bytes:
    transactions = transactions or [
        ("CREDIT", "20261105", "1500.00", "T1", "JUAN PEREZ", "REF 1000000157"),
        ("DEBIT", "20261106", "-200.00", "T2", "COMISION", ""),
    ]
    body = "".join(
        f"<STMTTRN><TRNTYPE>{kind}<DTPOSTED>{day}<TRNAMT>{amount}<FITID>{fitid}<NAME>{name}"
        + (f"<MEMO>{memo}" if memo else "")
        + "</STMTTRN>\n"
        for kind, day, amount, fitid, name, memo in transactions
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261110120000"
        "<LANGUAGE>SPA</SONRS></SIGNONMSGSRSV1>\n"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
        f"<STMTRS><CURDEF>{currency}<BANKACCTFROM><BANKID>012<ACCTID>{account}<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        "<BANKTRANLIST><DTSTART>20261101<DTEND>20261110\n"
        f"{body}"
        "</BANKTRANLIST><LEDGERBAL><BALAMT>2300.00<DTASOF>20261110</LEDGERBAL></STMTRS></STMTTRNRS>"
        "</BANKMSGSRSV1></OFX>\n"
    ).encode("ascii")


def mt940_file(*, account: str = "012180001234567899") -> bytes:
    return (
        ":20:STARTUMS\n"
        f":25:{account}\n"
        ":28C:00001/001\n"
        ":60F:C261101MXN1000,00\n"
        ":61:2611051105CR1500,00NTRFNONREF//B123\n"
        ":86:SPEI RECIBIDO REF 1000000157 JUAN PEREZ\n"
        ":61:2611061106DR200,00NTRFNONREF\n"
        ":86:COMISION\n"
        ":62F:C261106MXN2300,00\n"
        "-\n"
    ).encode("ascii")
