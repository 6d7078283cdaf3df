"""Technology contracts: submission, the bureau's registration queue (技术合同登记), amendments."""
